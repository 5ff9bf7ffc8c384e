export function startApp(root) { root.textContent = 'SIKK'; }
