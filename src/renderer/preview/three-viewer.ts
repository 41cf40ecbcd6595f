import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';

export interface LoadedModel { faces: number; vertices: number }

function countGeometry(root: THREE.Object3D): LoadedModel {
  let faces = 0;
  let vertices = 0;
  root.traverse((o) => {
    if (!(o instanceof THREE.Mesh)) return;
    const g = o.geometry as THREE.BufferGeometry;
    const pos = g.getAttribute('position');
    vertices += pos ? pos.count : 0;
    faces += g.index ? g.index.count / 3 : pos ? pos.count / 3 : 0;
  });
  return { faces: Math.round(faces), vertices };
}

function materialsOf(root: THREE.Object3D): THREE.Material[] {
  const out: THREE.Material[] = [];
  root.traverse((o) => {
    if (o instanceof THREE.Mesh) out.push(...(Array.isArray(o.material) ? o.material : [o.material]));
  });
  return out;
}

/** One WebGL view of a glTF, rendered on demand (nothing spins when nobody moves it). */
export class ModelViewer {
  readonly camera = new THREE.PerspectiveCamera(40, 1, 0.01, 1000);
  readonly controls: OrbitControls;
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private model: THREE.Object3D | undefined;
  private readonly resize: ResizeObserver;
  private frame = 0;

  constructor(private readonly host: HTMLElement) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, alpha: false });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.scene.background = new THREE.Color(0x1b1c1f);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x2a2a30, 2.2));
    const key = new THREE.DirectionalLight(0xffffff, 2);
    key.position.set(3, 5, 4);
    this.scene.add(key);
    const grid = new THREE.GridHelper(4, 16, 0x3a3c42, 0x2a2c31);
    grid.name = 'grid';
    this.scene.add(grid);
    host.appendChild(this.renderer.domElement);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => this.requestRender());
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(host);
    this.fit();
  }

  async load(url: string): Promise<LoadedModel> {
    const loader = new GLTFLoader();
    // GLB textures arrive as blob: URLs. Chromium's ImageBitmapLoader fetches them, which the
    // CSP's connect-src forbids; an <img> (TextureLoader) falls under img-src, which allows blob:.
    loader.register((parser) => {
      parser.textureLoader = new THREE.TextureLoader(parser.options.manager);
      return { name: 'kiln_img_textures' };
    });
    const gltf = await loader.loadAsync(url);
    this.model = gltf.scene;
    // Centre on the ground so the grid reads as a floor; both viewers get the same treatment.
    const box = new THREE.Box3().setFromObject(this.model);
    const size = box.getSize(new THREE.Vector3());
    const centre = box.getCenter(new THREE.Vector3());
    const scale = 2 / Math.max(size.x, size.y, size.z, 1e-6);
    this.model.scale.setScalar(scale);
    this.model.position.set(-centre.x * scale, -box.min.y * scale, -centre.z * scale);
    this.scene.add(this.model);
    this.frameModel(size.y * scale);
    this.requestRender();
    return countGeometry(gltf.scene);
  }

  setWireframe(on: boolean): void {
    if (!this.model) return;
    for (const m of materialsOf(this.model)) if ('wireframe' in m) (m as THREE.MeshStandardMaterial).wireframe = on;
    this.requestRender();
  }

  /** Copies another viewer's camera, for orbiting both models together. */
  follow(other: ModelViewer): void {
    this.camera.position.copy(other.camera.position);
    this.camera.quaternion.copy(other.camera.quaternion);
    this.controls.target.copy(other.controls.target);
    this.requestRender();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.resize.disconnect();
    this.controls.dispose();
    this.scene.traverse((o) => {
      if (o instanceof THREE.Mesh) (o.geometry as THREE.BufferGeometry).dispose();
    });
    if (this.model) for (const m of materialsOf(this.model)) m.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }

  private frameModel(height: number): void {
    this.controls.target.set(0, height / 2, 0);
    this.camera.position.set(2.4, height / 2 + 1.4, 2.8);
    this.controls.update();
  }

  private fit(): void {
    const { clientWidth: w, clientHeight: h } = this.host;
    if (w === 0 || h === 0) return;
    this.renderer.setSize(w, h, false);
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  requestRender(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.renderer.render(this.scene, this.camera));
  }
}
