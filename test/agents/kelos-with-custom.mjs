// `kelos` from this checkout's sources with the test-only agent type `custom`
// registered, as the CLI would be once the type is in lib/agents.
import { register } from 'tsx/esm/api';

register();
const { registerAgent } = await import('../../lib/agents/registry.ts');
const { custom } = await import('./custom-agent.ts');
registerAgent(custom);
const { main } = await import('../../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
