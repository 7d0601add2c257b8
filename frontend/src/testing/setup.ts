import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { server } from './server';

let nextUrl = 0;
URL.createObjectURL = () => `blob:preview-${++nextUrl}`;
URL.revokeObjectURL = () => undefined;

// jsdom has no modal dialogs: showModal() opens the dialog in place.
const dialog: Partial<HTMLDialogElement> = HTMLDialogElement.prototype;
dialog.showModal ??= function showModal(this: HTMLDialogElement) {
  this.setAttribute('open', '');
};

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  sessionStorage.clear(); // the API key a test entered
});
afterAll(() => server.close());
