import type { V1Container } from '@kubernetes/client-node';
import type { AgentConfigSpec } from '../../api/agent-config.js';
import { shellQuote } from '../_shell.js';
import { initContainer } from './_init-container.js';
import { pluginMount, pluginSourceMount } from './_volumes.js';
import { AgentPod, InitContainer } from './agent-pod.js';
import { TaskSpecError } from './task-spec-error.js';

// The init containers that fill the plugin directory from the AgentConfig:
// inline plugin files, then skills.sh packages.

// ConfigMap volumes hold symlinks and `..data` directories: copy the visible tree, dereferenced.
const PLUGIN_SETUP_SCRIPT = [
  'set -eu',
  `find ${AgentPod.PLUGIN_SOURCE_DIR} -mindepth 1 -maxdepth 1 ! -name '..*' -exec cp -RL {} ${AgentPod.PLUGIN_DIR}/ \\;`,
].join('\n');

/** Copies the `<task>-plugins` ConfigMap into the plugin directory. */
export function pluginSetup(image: string): V1Container {
  return initContainer(InitContainer.PLUGIN_SETUP, image, PLUGIN_SETUP_SCRIPT, [], [pluginMount(), pluginSourceMount()]);
}

/** Installs skills.sh packages as the `skills-sh` plugin. Throws TaskSpecError on an empty source. */
export function skillsInstall(skills: NonNullable<AgentConfigSpec['skills']>, image: string): V1Container {
  const lines = ['set -eu'];
  for (const s of skills) {
    if (!s.source) throw new TaskSpecError('skills.sh source is empty');
    lines.push(`npx -y skills add ${shellQuote(s.source)} -a universal -y -g${s.skill ? ` -s ${shellQuote(s.skill)}` : ''}`);
  }
  const installed = `${AgentPod.PLUGIN_DIR}/.agents/skills`;
  const target = `${AgentPod.PLUGIN_DIR}/${AgentPod.SKILLS_SH_PLUGIN}/skills`;
  lines.push(
    `[ -d ${installed} ] || { echo 'No skills.sh skills were installed' >&2; exit 1; }`,
    `mkdir -p ${target}`,
    `mv ${installed}/* ${target}/`,
    `rm -rf ${AgentPod.PLUGIN_DIR}/.agents ${AgentPod.PLUGIN_DIR}/.npm`,
  );
  const env = [
    { name: 'HOME', value: AgentPod.PLUGIN_DIR },
    { name: 'npm_config_cache', value: `${AgentPod.PLUGIN_DIR}/.npm` },
  ];
  return initContainer(InitContainer.SKILLS_INSTALL, image, lines.join('\n'), env, [pluginMount()]);
}
