/** The types a transactions scenario works with. */
import type { ScenarioContext } from "@faultline/grading";
import type * as Lab from "@faultline/lab-transactions";
import type { Msg, Timer } from "@faultline/lab-transactions";
import type { Simulation } from "@faultline/sim";

export type L = typeof Lab;
export type Ctx = ScenarioContext<L>;
export type Sim = Simulation<Msg, Timer>;
