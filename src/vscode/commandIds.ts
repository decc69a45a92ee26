/**
 * Every command id of the extension, in one table. package.json's contributes.commands must list exactly these
 * (test/unit/packageJson.test.ts checks it). Handlers live with their feature; src/vscode/commands.ts registers
 * them all in one place.
 */
export const CommandIds = {
  showLog: 'syncPlayground.showLog',
  runQuery: 'syncPlayground.runQuery',
  // SQL playground (issue 3)
  runStatementAtCursor: 'syncPlayground.runStatementAtCursor',
  cancelQuery: 'syncPlayground.cancelQuery',
  chooseTarget: 'syncPlayground.chooseTarget',
  showQueryHistory: 'syncPlayground.showQueryHistory',
  showResults: 'syncPlayground.showResults',
  // connections (issue 6)
  addConnection: 'syncPlayground.addConnection',
  editConnection: 'syncPlayground.editConnection',
  removeConnection: 'syncPlayground.removeConnection',
  testConnection: 'syncPlayground.testConnection',
  setConnectionPassword: 'syncPlayground.setConnectionPassword',
  refreshConnections: 'syncPlayground.refreshConnections',
  refreshReplicationMonitor: 'syncPlayground.refreshReplicationMonitor',
  selectTop1000: 'syncPlayground.selectTop1000',
  runSqlOnConnection: 'syncPlayground.runSqlOnConnection',
  useConnectionAsHub: 'syncPlayground.useConnectionAsHub',
  removePlaygroundFromServer: 'syncPlayground.removePlaygroundFromServer',
  // replication playground (issue 5)
  createPlayground: 'syncPlayground.createPlayground',
  addReplica: 'syncPlayground.addReplica',
  removeReplica: 'syncPlayground.removeReplica',
  toggleOnline: 'syncPlayground.toggleOnline',
  goOffline: 'syncPlayground.goOffline',
  goOnline: 'syncPlayground.goOnline',
  syncReplica: 'syncPlayground.syncReplica',
  syncAll: 'syncPlayground.syncAll',
  stepSync: 'syncPlayground.stepSync',
  continueSync: 'syncPlayground.continueSync',
  resetPlayground: 'syncPlayground.resetPlayground',
  openQueue: 'syncPlayground.openQueue',
  openConflicts: 'syncPlayground.openConflicts',
  openTimeline: 'syncPlayground.openTimeline',
  setConflictRules: 'syncPlayground.setConflictRules',
  openScenario: 'syncPlayground.openScenario',
  runScenario: 'syncPlayground.runScenario',
  exportScenario: 'syncPlayground.exportScenario',
  runSqlOnDatabase: 'syncPlayground.runSqlOnDatabase',
  openPlaygroundTable: 'syncPlayground.openPlaygroundTable',
  playScenarioStep: 'syncPlayground.playScenarioStep',
  setLinkConditions: 'syncPlayground.setLinkConditions',
  // serve on localhost (issue 8)
  serveOnLocalhost: 'syncPlayground.serveOnLocalhost',
  stopServing: 'syncPlayground.stopServing',
  copyServeConnectionString: 'syncPlayground.copyServeConnectionString',
} as const;

export type CommandKey = keyof typeof CommandIds;
export type CommandId = (typeof CommandIds)[CommandKey];
