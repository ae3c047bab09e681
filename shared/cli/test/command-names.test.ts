/** The list the documentation check reads (COMMAND_NAMES) cannot drift from the CLI itself. */
import { describe, expect, it } from "vitest";
import { COMMAND_NAMES, COMMANDS, HELP } from "../src/cli.ts";

describe("COMMAND_NAMES, the commands the handbook's command check accepts", () => {
  it("names exactly the commands the CLI dispatches (and help)", () => {
    expect(Object.keys(COMMAND_NAMES).sort()).toEqual([...Object.keys(COMMANDS), "help"].sort());
  });

  it("lists only subcommands that the help text shows", () => {
    for (const [cmd, subs] of Object.entries(COMMAND_NAMES)) {
      for (const sub of subs ?? []) expect(HELP, `${cmd} ${sub}`).toContain(`${cmd} ${sub}`);
    }
  });
});
