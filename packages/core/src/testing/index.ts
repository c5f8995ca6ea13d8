export * from './assert.js';
export { testEntries, testEntry, testSnapshot } from './fixtures.js';
export {
  checkKvLinearizability,
  type KvOperation,
  type KvOperationKind,
  type LinearizabilityOptions,
  type LinearizabilityResult,
} from './linearizability.js';
export { type ApiFuzzOptions, type ApiFuzzReport, runApiFuzz } from './sim/api-fuzz.js';
export { type ChaosOptions, type ChaosReport, runChaos } from './sim/chaos.js';
export { ClockDriver } from './sim/clock-driver.js';
export { InvariantChecker } from './sim/invariants.js';
export { RecordingStateMachine } from './sim/recording-state-machine.js';
export {
  type NetworkFaults,
  type NetworkStats,
  RELIABLE,
  SimNetwork,
  UNRELIABLE,
} from './sim/sim-network.js';
export { SimStorage } from './sim/sim-storage.js';
export { Simulation, SimulationError, type SimulationOptions } from './sim/simulation.js';
export { VirtualClock } from './sim/virtual-clock.js';
export { runStorageTests } from './storage-conformance.js';
export {
  type MakeTransportPair,
  type PairEnd,
  type RawWire,
  runTransportTests,
  type TransportPair,
  type TransportTestOptions,
} from './transport-conformance.js';
