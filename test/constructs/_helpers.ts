import { Chart } from 'cdk8s';
import { parse } from 'yaml';
import { KelosApp } from '../../constructs/index.js';

/** A fresh app and a chart in namespace `team`. */
export function setup(): { app: KelosApp; chart: Chart } {
  const app = new KelosApp({ outdir: '/nonexistent-never-written' });
  const chart = new Chart(app, 'pipeline', { namespace: 'team' });
  return { app, chart };
}

/** Renders the app (validating everything) and returns the objects by `Kind/name`. */
export function rendered(app: KelosApp): Record<string, any> {
  const out: Record<string, any> = {};
  for (const f of app.render()) {
    if (f.path.startsWith('argocd/')) continue;
    const obj = parse(f.content);
    out[`${obj.kind}/${obj.metadata.name ?? obj.metadata.generateName}`] = obj;
  }
  return out;
}

export const RESOURCE_ANNOTATIONS = {
  'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true',
  'argocd.argoproj.io/sync-wave': '0',
};
