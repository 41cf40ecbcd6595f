import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';

const SIZE = 88;
let shared: { renderer: THREE.WebGLRenderer; scene: THREE.Scene; camera: THREE.PerspectiveCamera } | undefined;

function stage() {
  if (shared) return shared;
  const renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true, preserveDrawingBuffer: true });
  renderer.setSize(SIZE, SIZE, false);
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  const scene = new THREE.Scene();
  scene.add(new THREE.HemisphereLight(0xffffff, 0x2a2a30, 2.4));
  const key = new THREE.DirectionalLight(0xffffff, 2.2);
  key.position.set(3, 5, 4);
  scene.add(key);
  shared = { renderer, scene, camera: new THREE.PerspectiveCamera(35, 1, 0.01, 1000) };
  return shared;
}

/** Loads a glTF/GLB, frames it from a three-quarter view and returns an 88 px picture of it. */
export async function renderModelThumb(url: string): Promise<ImageBitmap> {
  const gltf = await new GLTFLoader().loadAsync(url);
  const { renderer, scene, camera } = stage();
  const model = gltf.scene;
  const box = new THREE.Box3().setFromObject(model);
  const size = box.getSize(new THREE.Vector3()).length() || 1;
  const center = box.getCenter(new THREE.Vector3());
  model.position.sub(center);
  scene.add(model);
  const distance = size / (2 * Math.tan((camera.fov * Math.PI) / 360)) * 0.95;
  camera.position.set(distance * 0.6, distance * 0.45, distance * 0.7);
  camera.near = distance / 100;
  camera.far = distance * 10;
  camera.updateProjectionMatrix();
  camera.lookAt(0, 0, 0);
  try {
    renderer.render(scene, camera);
    return await createImageBitmap(renderer.domElement);
  } finally {
    scene.remove(model);
    model.traverse((o) => {
      if (o instanceof THREE.Mesh) {
        (o.geometry as THREE.BufferGeometry).dispose();
        for (const m of Array.isArray(o.material) ? o.material : [o.material]) (m as THREE.Material).dispose();
      }
    });
  }
}
