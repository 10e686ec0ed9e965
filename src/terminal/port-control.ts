/**
 * What AFN05 F49 / F50 / F51 (pause / resume / restart reading on a port, shared/protocol/gw1376-1.md §4.4)
 * ask of the field. The daemon's field wiring implements it over the channels; without one the commands
 * are refused.
 */
export interface PortControl {
  /** Each returns false when the terminal has no such port. */
  pause(port: number): boolean;
  resume(port: number): boolean;
  restart(port: number): boolean;
}
