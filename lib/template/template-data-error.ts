/**
 * Values for a deferred render that cannot be stored or used: not flat
 * scalars, a name a template cannot reach or that is bound later, too large
 * to store, or stored text that is not such values. The message says what,
 * where and what is allowed.
 */
export class TemplateDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateDataError';
  }
}
