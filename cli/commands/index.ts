import type { Command } from 'commander';
import { register as capture } from './capture.js';
import { register as check } from './check.js';
import { register as completion } from './completion.js';
import { register as controller } from './controller.js';
import { register as del } from './delete.js';
import { register as diff } from './diff.js';
import { register as get } from './get.js';
import { register as importer } from './import.js';
import { register as init } from './init.js';
import { register as install } from './install.js';
import { register as logs } from './logs.js';
import { register as resume } from './resume.js';
import { register as run } from './run.js';
import { register as spawner } from './spawner.js';
import { register as suspend } from './suspend.js';
import { register as synth } from './synth.js';
import { register as uninstall } from './uninstall.js';
import { register as validate } from './validate.js';
import { register as webhookServer } from './webhook-server.js';

/** Each command module exports `register(program)`; the order is the help order. */
export type Register = (program: Command) => void;

export const commands: Register[] = [
  synth,
  check,
  validate,
  capture,
  spawner,
  controller,
  webhookServer,
  install,
  uninstall,
  init,
  run,
  get,
  del,
  suspend,
  resume,
  logs,
  diff,
  importer,
  completion,
];
