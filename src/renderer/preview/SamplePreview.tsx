import type { ModelInfo } from '../../shared/contract';
import type { RawValues } from '../params/validate';
import { MeshPreview } from './MeshPreview';
import { TracePreview } from './TracePreview';

/** What the queue editor gives a preview of its settings. */
export interface SamplePreviewProps {
  model: ModelInfo;
  preset: string | undefined;
  raw: RawValues;
  /** Absent while the queue is being created: there is no last file yet, only a chosen one. */
  queueId: string | undefined;
  onChoosePreset(name: string): void;
}

/** The queue editor's live preview of its settings on a sample, for the models that have one. */
export function SamplePreview(props: SamplePreviewProps) {
  if (props.model.outputKind === 'svg') return <TracePreview {...props} />;
  if (props.model.outputKind === 'glb') return <MeshPreview model={props.model} preset={props.preset} raw={props.raw} queueId={props.queueId} />;
  return null;
}
