// The list of built images that scripts/images.ts leaves beside its archives
// and the real node imports into containerd's k8s.io namespace.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imagesCacheDir } from '../paths.js';

export interface BuiltImage {
  /** short name in the image table, e.g. `kelos`, `claude-code`, `pause` */
  name: string;
  /** every reference the image answers to, fully qualified (docker.io/library/…) */
  refs: string[];
  /** hash of the image's inputs; a changed key means a changed image */
  key: string;
  /** docker-archive tarball under the images cache */
  archive: string;
  /** the pod sandbox image of the real node */
  sandbox?: boolean;
}

export interface ImageManifest {
  images: BuiltImage[];
}

export const MANIFEST_FILE = 'manifest.json';

export function manifestPath(dir = imagesCacheDir()): string {
  return join(dir, MANIFEST_FILE);
}

/** The manifest of the images cache, or undefined when no image was built yet. */
export function readImageManifest(dir = imagesCacheDir()): ImageManifest | undefined {
  const file = manifestPath(dir);
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as ImageManifest;
  return { images: parsed.images.filter((i) => existsSync(i.archive)) };
}

/** `docker.io/library/node:20-slim` for `node:20-slim`, as containerd and CRI name images. */
export function normalizeRef(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const qualified = first.includes('.') || first.includes(':') || first === 'localhost' ? ref : `docker.io/${slash < 0 ? `library/${ref}` : ref}`;
  const lastPart = qualified.slice(qualified.lastIndexOf('/') + 1);
  return lastPart.includes(':') || lastPart.includes('@') ? qualified : `${qualified}:latest`;
}
