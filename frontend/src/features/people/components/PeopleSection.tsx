import { useEffect } from 'react';
import { createPerson } from '../api/people';
import { usePeople } from '../api/use-people';
import { EnrollForm } from './EnrollForm';
import { NoticeMessage } from './NoticeMessage';
import { PersonCard, type FindInPhotos } from './PersonCard';

type Props = {
  /** Shows the library photos a person is in (the page wires it to "Find in photos"); no button without it. */
  onFindInPhotos?: FindInPhotos | undefined;
  /** Changes when the people changed elsewhere on the page (a group of library faces was named): the list is loaded
   * again. */
  changed?: number | undefined;
};

export function PeopleSection({ onFindInPhotos, changed = 0 }: Props) {
  const { people, loadError, busy, notice, change, refuse, reload } = usePeople();

  useEffect(() => {
    if (changed > 0) void reload();
  }, [changed, reload]);

  return (
    <section className="panel people" id="people" aria-labelledby="people-title">
      <h2 id="people-title">
        People {people && <span className="count">{people.length}</span>}
      </h2>
      <EnrollForm busy={busy} onEnroll={(name, files) => change(() => createPerson(name, files))} onRefuse={refuse} />
      <NoticeMessage notice={notice} />
      {loadError && (
        <div className="notice is-error" role="alert">
          <p>{loadError}</p>
          <button type="button" className="button is-secondary" onClick={() => void reload()}>
            Try again
          </button>
        </div>
      )}
      {people === null && !loadError && <p role="status">Loading people…</p>}
      {people?.length === 0 && <p className="muted">Nobody is enrolled yet. Enroll someone above.</p>}
      {people && people.length > 0 && (
        <ul className="people__list" aria-label="Enrolled people">
          {people.map((person) => (
            <PersonCard
              key={person.id}
              person={person}
              busy={busy}
              change={change}
              onRefuse={refuse}
              onFindInPhotos={onFindInPhotos}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
