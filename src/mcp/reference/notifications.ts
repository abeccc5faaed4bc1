/** `dagu://reference/notifications`: run subscriptions. */
export const notificationsTopic = `# Run notifications

Subscribe with \`resources/subscribe\` to a run URI, \`dagu://runs/{name}/{dagRunId}\` (or its \`/logs\`
URI). When the run reaches a terminal status (succeeded, failed, aborted, partially_succeeded,
rejected) Troupe sends \`notifications/resources/updated\` with that exact URI to every subscribed
session, once. It is pushed from the run's own terminal transition; nothing polls.

- Subscribing to a run that has already ended notifies at once.
- Read the run URI after the notification (\`resources/read\` or \`dagu_read\`) to see the terminal status.
- \`resources/unsubscribe\` stops notifications; closing the session removes all of its subscriptions.
- A session may hold a bounded number of subscriptions (server setting).
- Notifications travel on the session's GET event stream. If that stream drops, reconnect with
  \`Last-Event-ID\` and missed notifications are replayed (a bounded number per session).
- A \`dagu_execute\` start or enqueue called as a task (2025-11-25 \`params.task\`) needs no
  subscription: the session that made the call gets \`notifications/tasks/status\` with the task
  (\`working\`, then \`completed\`, \`failed\` or \`cancelled\`), once per change, on the same stream.
- Without subscriptions, poll \`dagu_read\` with \`target=run\`, or call \`dagu_execute\` with \`wait=true\`.
`;
