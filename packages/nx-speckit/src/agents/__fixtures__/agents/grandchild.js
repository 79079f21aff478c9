// Starts a grandchild that writes $MARK_FILE after $MARK_DELAY_MS, records its pid in $PID_FILE, then hangs.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const gc = spawn(process.execPath, ['-e', `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(process.env.MARK_FILE)}, 'alive'), ${Number(process.env.MARK_DELAY_MS)})`], { stdio: 'ignore' });
fs.writeFileSync(process.env.PID_FILE, String(gc.pid));
setInterval(() => {}, 1000);
