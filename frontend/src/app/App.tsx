import { useCallback, useState } from 'react';
import { ApiKeyDialog } from '@/components/ApiKeyDialog';
import { GroupsSection } from '@/features/groups/components/GroupsSection';
import { LibrarySection, type PersonSearch } from '@/features/library/components/LibrarySection';
import { PeopleSection } from '@/features/people/components/PeopleSection';
import { SearchPanel } from '@/features/search/components/SearchPanel';

export function App() {
  // A person card's "Find in photos" shows that person's photos in the Find in photos section.
  const [personSearch, setPersonSearch] = useState<PersonSearch | null>(null);
  const findInPhotos = useCallback(
    (person: PersonSearch['person']) => setPersonSearch((previous) => ({ id: (previous?.id ?? 0) + 1, person })),
    [],
  );
  // Naming a group of library faces enrols a person: the people list is loaded again.
  const [peopleChanged, setPeopleChanged] = useState(0);
  const onPeopleChanged = useCallback(() => setPeopleChanged((n) => n + 1), []);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <div className="header__inner">
          <p className="brand">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            <span className="brand__name">Facesearch</span>
          </p>
          <nav aria-label="Sections">
            <a href="#search-title">Search</a>
            <a href="#library">Find in photos</a>
            <a href="#groups">
              <span className="nav__long">People in photos</span>
              <span className="nav__short">Groups</span>
            </a>
            <a href="#people">People</a>
          </nav>
        </div>
      </header>
      <main id="main" className="main">
        <h1 className="visually-hidden">Facesearch: find who is in a photo</h1>
        <SearchPanel />
        <LibrarySection personSearch={personSearch} />
        <GroupsSection onPeopleChanged={onPeopleChanged} />
        <PeopleSection onFindInPhotos={findInPhotos} changed={peopleChanged} />
      </main>
      <ApiKeyDialog />
    </>
  );
}
