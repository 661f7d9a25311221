/** Where a tiled evaluation is, for progress: which pass, which tile of how many. */
export interface TileProgress {
  pass: 'targets' | 'statistics' | 'gradient' | 'rows';
  tile: number;
  tiles: number;
}

export type TileListener = (t: TileProgress) => void | Promise<void>;
