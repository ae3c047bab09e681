import type { BuildOptions, Plugin } from "esbuild";

/** How long a replaced bundle folder stays before it is removed. */
export declare const KEEP_OLD_MS: number;

/** esbuild plugin: each module keeps its original import.meta.url (and literal import.meta.resolve results). */
export declare function originalLocations(): Plugin;

/** esbuild plugin: @faultline/* bundled from source, every other package external by its absolute path. */
export declare function externalPackages(): Plugin;

/** The entry file of a fresh bundle of `options`, made now if the cached one is missing or stale. */
export declare function cachedBundle(spec: {
  dir: string;
  name: string;
  key?: string;
  options: BuildOptions;
}): Promise<{ file: string; built: boolean }>;
