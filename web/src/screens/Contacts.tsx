import { useEffect, useState } from "react";
import type { ProjectInfo } from "../App.js";
import { ContactList } from "../backoffice/contact-list.js";
import { ContactProfile } from "../backoffice/profile.js";
import { useProjectConfig } from "../backoffice/shared.js";
import { useT } from "../i18n.js";

const contactInUrl = () => new URLSearchParams(location.search).get("contact");

/** Contacts: the searchable list, and a contact's profile at `?view=contacts&contact=<id>`. */
export function ContactsScreen({ project }: { project: ProjectInfo }) {
  const { t } = useT();
  const { config } = useProjectConfig(project.id, project.config);
  const [contact, setContact] = useState<string | null>(contactInUrl);
  useEffect(() => {
    const back = () => setContact(contactInUrl());
    // The top navigation's "Contacts" replaces the address without an event: on a profile, it means "back to the list".
    const nav = (e: MouseEvent) => { if ((e.target as Element | null)?.closest?.("[data-testid=nav-contacts]")) setContact(null); };
    addEventListener("popstate", back);
    document.addEventListener("click", nav, true);
    return () => { removeEventListener("popstate", back); document.removeEventListener("click", nav, true); };
  }, []);
  const open = (id: string | null) => {
    setContact(id);
    history.pushState(null, "", id ? `?view=contacts&contact=${encodeURIComponent(id)}` : "?view=contacts");
  };
  return (
    <main className="page bo-page" data-testid="screen-contacts">
      {contact
        ? <ContactProfile key={contact} projectId={project.id} config={config} contactId={contact} onBack={() => open(null)} />
        : (
          <>
            <div className="row"><h1>{t("boContacts")}</h1></div>
            <ContactList projectId={project.id} config={config} onOpen={open} />
          </>
        )}
    </main>
  );
}
