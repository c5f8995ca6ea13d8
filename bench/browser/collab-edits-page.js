/**
 * Installed by bench/browser/collab-edits.ts in each tab of apps/collab (as a script, so that nothing of
 * the app changes for the benchmark): waits for a card to show on this tab's board, makes edits through
 * the board's own controls, and runs the floors (a BroadcastChannel round trip between two tabs, an
 * IndexedDB write transaction). Times are `performance.timeOrigin + performance.now()`, which tabs of
 * one browser share, so a time taken in one tab compares with one taken in another.
 */
globalThis.collabBench = (() => {
  const at = () => performance.timeOrigin + performance.now();
  const board = () => document.getElementById('board');
  const shows = (text) => board().querySelector(`.card-text[data-text="${CSS.escape(text)}"]`) !== null;
  const labelled = (selector, label) =>
    [...document.querySelectorAll(selector)].find((e) => e.getAttribute('aria-label') === label);
  /** Text -> the time this tab's board first showed it (or no longer showed it), once armed. */
  const armed = new Map();

  return {
    /** From now on, watches for the board to show the card `text` (or, `present` false, to lose it). */
    arm(text, present = true) {
      armed.set(
        text,
        new Promise((resolve) => {
          const check = () => {
            if (shows(text) !== present) return false;
            observer.disconnect();
            resolve(at());
            return true;
          };
          // Redraws replace the board's children (src/board-view.ts): a card shows when its input does.
          const observer = new MutationObserver(check);
          observer.observe(board(), { childList: true, subtree: true });
          check();
        }),
      );
    },
    /** When the armed card showed (or went). */
    shown(text) {
      return armed.get(text);
    },
    /**
     * Brings this tab's style and layout up to date now, as the frame a browser draws between a user's
     * actions does (an edit submitted right after a change would pay for that change's layout in its
     * form's submit, which validates the form). Forced here rather than waited for: Chromium gives a
     * tab that is not the front one about one animation frame a second.
     */
    layOut() {
      void document.body.getBoundingClientRect();
    },
    /**
     * Types `text` into the new-card input of the list `list`, as a user does before pressing Enter
     * (the page then lays it out: `layOut()`), so the submit does not pay for that style change.
     */
    typeCard(list, text) {
      labelled('input', `New card in ${list}`).value = text;
    },
    /** Submits the new-card form of `list` as the user does (its form's submit); when it was asked. */
    submitCard(list) {
      const input = labelled('input', `New card in ${list}`);
      const started = at();
      input.form.requestSubmit();
      return started;
    },
    /** Deletes the card `text` with its delete button. */
    deleteCard(text) {
      labelled('button', `Delete "${text}"`).click();
    },
    /** Who this tab's own node follows and how many voters it counts (the inspector's first row). */
    cluster() {
      const row = document.querySelector('#inspector-body tr');
      const cell = (column) => row?.querySelector(`[data-column="${column}"]`)?.textContent ?? '';
      return { leader: cell('leader'), voters: cell('voters').split(', ').length, role: row?.dataset.role };
    },

    /** The floor's other end: answers every message on `channel` with the same message. */
    echo(channel) {
      const bc = new BroadcastChannel(channel);
      bc.onmessage = (event) => bc.postMessage(event.data);
    },
    /**
     * Round trips of `payload` (a string, as the transport sends it) to the tab echoing on `channel`,
     * one at a time: `warmup` unmeasured, then `ops` latencies in ms.
     */
    async roundTrips(channel, payload, ops, warmup) {
      const bc = new BroadcastChannel(channel);
      const latencies = [];
      for (let i = 0; i < warmup + ops; i++) {
        const started = performance.now();
        await new Promise((resolve) => {
          bc.onmessage = resolve;
          bc.postMessage(payload);
        });
        if (i >= warmup) latencies.push(performance.now() - started);
      }
      bc.close();
      return latencies;
    },
    /**
     * Write transactions of one `payload` record each in a database of its own, with the durability
     * the app's storage uses (@webraft/storage-indexeddb's default, strict): latencies in ms.
     */
    async writes(name, payload, ops, warmup) {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open(name, 1);
        open.onupgradeneeded = () => open.result.createObjectStore('log');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const latencies = [];
      for (let i = 0; i < warmup + ops; i++) {
        const started = performance.now();
        await new Promise((resolve, reject) => {
          const tx = db.transaction('log', 'readwrite', { durability: 'strict' });
          tx.objectStore('log').put(payload, i);
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
        if (i >= warmup) latencies.push(performance.now() - started);
      }
      db.close();
      await new Promise((resolve) => {
        const removal = indexedDB.deleteDatabase(name);
        removal.onsuccess = removal.onerror = resolve;
      });
      return latencies;
    },
  };
})();
