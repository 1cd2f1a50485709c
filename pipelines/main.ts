// The app `npm run synth`, `kelos synth` and `npx cdk8s synth` run: renders
// the kelos system and the bundled pipelines into dist/.
import { KelosApp, KelosController } from '../constructs/index.js';
import { Examples } from './examples.js';
import { SelfDevelopment } from './self-development.js';

const app = new KelosApp({
  argocd: { repoURL: 'https://github.com/kelos-ts/kelos.git', targetRevision: 'main' },
});
// A namespaced install: the controller holds rights only in the namespaces of the pipelines below.
new KelosController(app, 'kelos-system', { namespaces: ['kelos-dev', 'kelos-examples'] });
new SelfDevelopment(app, 'self-development');
new Examples(app, 'examples');
app.synth();
