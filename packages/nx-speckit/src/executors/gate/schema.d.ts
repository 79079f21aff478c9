export type { GateCommandSpec as GateCommand } from '../../gates/run-gates';
import type { GateCommandSpec as GateCommand } from '../../gates/run-gates';

export interface GateExecutorSchema {
  /** The phase this gate follows (absent: the whole feature). */
  phase?: number;
  /** Commands to run; by default the ones the plugin put in the target's metadata (`speckit.gates`). */
  commands?: GateCommand[];
}
