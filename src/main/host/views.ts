import { basename, extname } from 'node:path';
import type { ItemView, ModelInfo, QueueStats } from '../../shared/contract';
import { EXTENSIONS_BY_KIND } from '../engine/inputs/kinds';
import type { ModelDescriptor } from '../engine/models/types';
import type { QueueCounts, QueueItem } from '../engine/queue/types';

export function modelInfo(model: ModelDescriptor): ModelInfo {
  return {
    key: model.key,
    modelId: model.modelId,
    displayName: model.displayName,
    summary: model.summary,
    inputKinds: [...model.input.kinds],
    inputExtensions: model.input.kinds.flatMap((k) => EXTENSIONS_BY_KIND[k]),
    outputKind: model.output.kind,
    outputExtension: model.output.extension,
    parameters: model.parameters.map((p) => ({
      name: p.name,
      type: p.type,
      integer: p.integer,
      default: p.default,
      min: p.min,
      max: p.max,
      enum: p.enum ? [...p.enum] : undefined,
      description: p.description,
      label: p.label,
      help: p.help,
      customOnly: p.customOnly,
      localNote: model.local?.unsupported[p.name],
    })),
    presets: model.presets.map((p) => ({ name: p.name, label: p.label, description: p.description, params: { ...p.params }, expands: p.expands && { ...p.expands } })),
    defaultPreset: model.defaultPreset,
    hasLocalEngine: model.local !== undefined,
  };
}

export function itemView(item: QueueItem): ItemView {
  return {
    id: item.id,
    queueId: item.queueId,
    inputPath: item.inputPath,
    displayPath: item.displayPath ?? basename(item.inputPath),
    inputName: basename(item.inputPath) || extname(item.inputPath),
    inputKind: item.inputKind,
    inputSize: item.inputSize,
    state: item.state,
    progress: item.progress,
    error: item.error,
    failureKind: item.failureKind,
    jobId: item.jobId,
    outputs: item.outputs,
    engine: item.engine,
    warnings: item.warnings,
    position: item.position,
    updatedAt: item.updatedAt,
  };
}

export function queueStats(queueId: string, counts: QueueCounts, paused: boolean): QueueStats {
  const finished = counts.byState.done + counts.byState.failed + counts.byState.canceled;
  return {
    queueId,
    total: counts.total,
    byState: counts.byState,
    paused,
    progress: counts.total === 0 ? 0 : finished / counts.total,
  };
}
