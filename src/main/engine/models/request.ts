import type { ModelDescriptor, ModelParams } from './types';

/**
 * The JSON body of the generate call for any model: its validated parameters, and the uploaded
 * input's assetId under the parameter the model's reference names for it (`input.param`; see
 * docs/scenario-api.md "Generate").
 */
export function generateBody(model: Pick<ModelDescriptor, 'input'>, params: ModelParams, inputAssetId: string): Record<string, unknown> {
  return { ...params, [model.input.param]: inputAssetId };
}
