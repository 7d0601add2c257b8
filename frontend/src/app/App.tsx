import { PeopleSection } from '@/features/people/components/PeopleSection';
import { SearchPanel } from '@/features/search/components/SearchPanel';

export function App() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <div className="header__inner">
          <p className="brand">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            Facesearch
          </p>
          <nav aria-label="Sections">
            <a href="#search-title">Search</a>
            <a href="#people">People</a>
          </nav>
        </div>
      </header>
      <main id="main" className="main">
        <h1 className="visually-hidden">Facesearch: find who is in a photo</h1>
        <SearchPanel />
        <PeopleSection />
      </main>
    </>
  );
}
