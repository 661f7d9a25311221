/** Checkpoints: the fingerprint of a run, its bytes, and whether a saved run can go on. */
export { fingerprint, fingerprintDifference, imageHash, type Fingerprint, type FingerprintInput } from './fingerprint.js';
export { decodeCheckpoint, encodeCheckpoint, type SavedRun } from './format.js';
export { checkResume } from './resume.js';
