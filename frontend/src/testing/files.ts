export function imageFile(name = 'photo.jpg', type = 'image/jpeg'): File {
  return new File([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], name, { type });
}

export function textFile(name = 'notes.txt'): File {
  return new File(['hello'], name, { type: 'text/plain' });
}
