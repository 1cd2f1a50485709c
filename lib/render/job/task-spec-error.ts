/** A Task whose spec cannot become a Job (a bad plugin name, a file path escaping the repo…). */
export class TaskSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskSpecError';
  }
}
