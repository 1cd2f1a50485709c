import type { Command } from 'commander';

/** Each command module exports `register(program)`; the order is the help order. */
export type Register = (program: Command) => void;

export const commands: Register[] = [];
