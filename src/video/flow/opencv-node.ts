/** OpenCV's WASM build loaded with Node's `require` (its CommonJS entry point). */
import { createRequire } from 'node:module';
import { opencvFarneback, type FarnebackParams } from './opencv-farneback.js';
import type { FlowProvider } from './types.js';

const require = createRequire(import.meta.url);
const loadOpenCv = () => require('@techstark/opencv-js') as unknown;

/** Farnebäck flow in Node (the default FlowProvider of the video command). */
export function nodeFlowProvider(params: Partial<FarnebackParams> = {}): FlowProvider {
  return opencvFarneback(loadOpenCv, params);
}
