// What `GET /demo/source` serves (non-prod): a CRM export as messy as the first real one was.
// `sluice pull` normalizes it with the `sluice.demo.user` schema. Plain data on purpose.
export function demoSourceRows(): Record<string, unknown>[] {
  return [
    { id: "1", name: "Ada Lovelace", email: "ada@example.com", active: "true" },
    { id: 2, name: "  Grace Hopper ", email: "grace@example.com", active: true },
    { id: "3", name: "Alan Turing", email: " alan@example.com ", active: "false" },
    { id: " 4 ", name: "Katherine Johnson", active: "TRUE" },
    { id: 5, name: "Edsger Dijkstra", email: "edsger@example.com", active: false },
    { id: "6", name: "   ", email: "blank-name@example.com", active: "true" },
    { id: "7", name: "Barbara Liskov", email: "barbara@example.com" },
    { name: "No Id", email: "noid@example.com", active: "true" },
    { id: "9", name: "Donald Knuth", email: "don@example.com", active: "yes" },
    { id: "10.0", name: "Frances Allen", email: "fran@example.com", active: " true " },
    { id: "11", name: "Ken Thompson ", email: "ken@example.com", active: "false" },
    { id: "twelve", name: "Margaret Hamilton", email: "margaret@example.com", active: "true" },
  ];
}
