/**
 * The web interface's upgrade action (web/providers.ts `UpgradeInstaller`) on top of the upgrade service:
 * the same checks and the same A/B install as AFN0F and `opendcu upgrade`.
 */
import type { UpgradeInstaller } from "../web/providers.ts";
import type { UpgradeService } from "./upgrade-service.ts";

export function webUpgradeInstaller(service: UpgradeService): UpgradeInstaller {
  return {
    async install(_fileName, bytes) {
      const outcome = await service.install(bytes);
      return outcome.ok
        ? { accepted: true, message: `version ${outcome.to} installed; the DCU restarts into it` }
        : { accepted: false, message: `refused (${outcome.code}): ${outcome.message}` };
    },
  };
}
