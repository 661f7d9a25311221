/** The slice of madge's API the architecture test uses (the package ships no types). */
declare module 'madge' {
  interface MadgeResult {
    /** Each cycle as the files along it, relative to the base directory. */
    circular(): string[][];
    /** file → the files it imports, relative to the base directory. */
    obj(): Record<string, string[]>;
  }
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, unknown>;
  }
  export default function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
}
