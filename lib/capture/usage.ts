import { agentDefinition } from '../agents/registry.js';
import type { UsageParser } from '../agents/usage.js';

export type { UsageParser, UsageResult } from '../agents/usage.js';

/**
 * Returns the parser for an agent type (its definition's `usageParser`), or
 * undefined for an empty or unknown type (the stream is still passed
 * through; only usage is left out).
 */
export function createUsageParser(agentType: string | undefined): UsageParser | undefined {
  return agentType ? agentDefinition(agentType)?.usageParser() : undefined;
}
