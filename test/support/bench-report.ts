import type { MachineInfo } from '../../bench/report.js';

/** A machine for reports built in tests. */
export const TEST_MACHINE: MachineInfo = {
  node: 'v20',
  cpuModel: 'x',
  cores: 2,
  redisServer: '7',
  os: 'linux',
  memoryGiB: 1,
  loadAverage: [0, 0, 0],
};
