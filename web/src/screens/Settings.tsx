import { useState } from "react";
import type { ProjectInfo } from "../App.js";
import { AccessSection } from "../backoffice/settings-access.js";
import { CommunicationTypesSection, FieldsSection, GroupsSection, PersonasSection, PromoBanksSection, TablesSection, type SectionProps } from "../backoffice/settings-config.js";
import { DestinationsSection, EmailSection, ProjectSection, SmsPushSection } from "../backoffice/settings-delivery.js";
import { useProjectConfig } from "../backoffice/shared.js";
import { useT, type StringKey } from "../i18n.js";

/** The settings tabs, in order; the current one is `?view=settings&tab=` in the address. */
export const SETTINGS_TABS = ["fields", "communicationTypes", "groups", "personas", "tables", "promoBanks", "destinations", "email", "sms", "project", "access"] as const;
type Tab = (typeof SETTINGS_TABS)[number];
const SECTIONS: Record<Tab, (p: SectionProps) => React.ReactNode> = {
  fields: FieldsSection, communicationTypes: CommunicationTypesSection, groups: GroupsSection, personas: PersonasSection, tables: TablesSection,
  promoBanks: PromoBanksSection, destinations: DestinationsSection, email: EmailSection, sms: SmsPushSection, project: ProjectSection, access: AccessSection,
};

function tabInUrl(): Tab {
  const tab = new URLSearchParams(location.search).get("tab");
  return (SETTINGS_TABS as readonly string[]).includes(tab ?? "") ? (tab as Tab) : "fields";
}

/** Project settings: what campaigns refer to, how messages leave, and who may act. */
export function SettingsScreen({ project }: { project: ProjectInfo }) {
  const { t } = useT();
  const { config, reload } = useProjectConfig(project.id, project.config);
  const [tab, setTab] = useState<Tab>(tabInUrl);
  const Section = SECTIONS[tab];
  return (
    <main className="page bo-page bo-settings" data-testid="screen-settings">
      <div className="row"><h1>{t("boSettings")}</h1></div>
      <nav className="bo-tabs" aria-label={t("boSettings")}>
        {SETTINGS_TABS.map((x) => (
          <button key={x} data-testid={`tab-${x}`} className={tab === x ? "on" : ""} aria-current={tab === x ? "page" : undefined}
            onClick={() => { setTab(x); history.replaceState(null, "", `?view=settings&tab=${x}`); }}>{t(`boTab_${x}` as StringKey)}</button>
        ))}
      </nav>
      <Section key={`${project.id}-${tab}`} projectId={project.id} config={config} reload={reload} />
    </main>
  );
}
