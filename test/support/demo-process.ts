/** The built demo as a child process, for multi-process tests (shared with the experiment). */
export * from '../../apps/experiment/src/processes/demo-process';
