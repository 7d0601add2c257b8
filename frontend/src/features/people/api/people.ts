import { apiFetch } from '@/lib/api';

export type PersonPhoto = { id: string; filename: string; photo_url: string };

export type Person = {
  id: string;
  name: string;
  photo_count: number;
  photos: PersonPhoto[];
  /** In how many photos of the photo library this person is known. */
  library_photos?: number;
};

export type Skipped = { filename: string; reason: string };

export type UploadResult = { person: Person; imported: string[]; skipped: Skipped[] };

function photosForm(files: File[]): FormData {
  const form = new FormData();
  for (const file of files) form.append('photos', file);
  return form;
}

const personPath = (id: string) => `/api/people/${encodeURIComponent(id)}`;

export async function getPeople(): Promise<Person[]> {
  const { people } = await apiFetch<{ people: Person[] }>('/api/people');
  return people;
}

export function createPerson(name: string, files: File[]): Promise<UploadResult> {
  const form = photosForm(files);
  form.append('name', name);
  return apiFetch<UploadResult>('/api/people', { method: 'POST', body: form });
}

export function addPhotos(personId: string, files: File[]): Promise<UploadResult> {
  return apiFetch<UploadResult>(`${personPath(personId)}/photos`, { method: 'POST', body: photosForm(files) });
}

export function deletePhoto(personId: string, photoId: string): Promise<void> {
  return apiFetch<void>(`${personPath(personId)}/photos/${encodeURIComponent(photoId)}`, { method: 'DELETE' });
}

export function deletePerson(personId: string): Promise<void> {
  return apiFetch<void>(personPath(personId), { method: 'DELETE' });
}
