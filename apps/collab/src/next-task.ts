/**
 * `run`, called at most once per task: each call asks for it on the next task (a message on a
 * MessageChannel, which no timer clamp or background throttling delays), and calls made before that
 * task ran share it. The board draws a change this way rather than within it: the change's own task
 * finishes first, and with it what the node does next (an edit's proposal leaves for the leader; a
 * leader sends the new commit index to the followers), instead of waiting for the page to draw.
 */
export function nextTask(run: () => void): () => void {
  const channel = new MessageChannel();
  let queued = false;
  channel.port1.onmessage = () => {
    queued = false;
    run();
  };
  return () => {
    if (queued) return;
    queued = true;
    channel.port2.postMessage(null);
  };
}
