import type { Command } from 'commander';
import { register as synth } from './synth.js';
import { register as check } from './check.js';
import { register as validate } from './validate.js';
import { register as capture } from './capture.js';
import { register as spawner } from './spawner.js';
import { register as controller } from './controller.js';

/** Each command module exports `register(program)`; the order is the help order. */
export type Register = (program: Command) => void;

export const commands: Register[] = [synth, check, validate, capture, spawner, controller];
