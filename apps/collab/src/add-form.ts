import { el } from './dom.js';

/** A labelled input and its submit button; `submit(text)` once the user adds something not blank. */
export function addForm(
  label: string,
  buttonLabel: string,
  key: string,
  submit: (text: string) => void,
): HTMLFormElement {
  const input = el('input', { 'aria-label': label, placeholder: label, 'data-key': `${key}:input` });
  const add = el('button', {
    type: 'submit',
    text: 'Add',
    'aria-label': buttonLabel,
    'data-key': `${key}:add`,
  });
  const form = el('form', { class: 'add-form' }, input, add);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    submit(text);
  });
  return form;
}

/** Gives an add form the labels of the list it is now for (the list was renamed). */
export function relabelAddForm(form: HTMLFormElement, label: string, buttonLabel: string): void {
  const input = form.querySelector('input')!;
  input.setAttribute('aria-label', label);
  input.placeholder = label;
  form.querySelector('button')!.setAttribute('aria-label', buttonLabel);
}
