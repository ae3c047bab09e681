/** The types a lease-lock scenario works with. */
import type { ScenarioContext } from "@faultline/grading";
import type * as Lab from "@faultline/lab-lease-lock";
import type { Msg, Timer } from "@faultline/lab-lease-lock";
import type { Simulation } from "@faultline/sim";

export type L = typeof Lab;
export type Ctx = ScenarioContext<L>;
export type Sim = Simulation<Msg, Timer>;
