export * from './import.js';
export * from './normalise.js';
