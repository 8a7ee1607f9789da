// `fluent-cat`: reserved name; the forward-protocol client arrives with the forward issue.
console.error('fluent-cat: not yet available in this Tributary build (it comes with the forward protocol).');
process.exit(1);
