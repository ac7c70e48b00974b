(() => {
  const P = "29149772b5f3452d89e7c770f7dd3613";
  localStorage.setItem("mlflow.workflowType_v1", JSON.stringify("machine_learning"));
  localStorage.setItem("mlflow.assistant.panelOpen_v1", "false");
  localStorage.setItem("mlflow.assistant.fab.autoOpenedOnFirstLoad_v1", "true");
  localStorage.setItem('MLflowLocalStorage-1.1-ExperimentPage-["1"]-ReactComponentState', JSON.stringify({
    searchFilter: "", orderByKey: "attributes.start_time", orderByAsc: false, startTime: "ALL",
    lifecycleFilter: "Active", datasetsFilter: [], modelVersionFilter: "All Runs",
    selectedColumns: ["tags.`task`", "tags.`representation`", "tags.`model`", "metrics.`mae_mean`", "metrics.`mae_std`", "metrics.`rmse_mean`", "metrics.`r2_mean`"],
    columnOrder: [], columnWidths: {"attributes.`Run Name`": 330, "runDateAndNestInfo": 130, "duration": 80, "tags.`representation`": 140}, runsExpanded: {[P]: true}, runsPinned: [], runsHidden: [],
    runsVisibilityMap: {}, runsHiddenMode: "FIRST_10_RUNS", viewMaximized: false, runListHidden: false,
    isAccordionReordered: false, useGroupedValuesInCharts: true, hideEmptyCharts: true, groupBy: null,
    groupsExpanded: {}, autoRefreshEnabled: false,
    globalLineChartConfig: {xAxisKey: "step", lineSmoothness: 0, selectedXAxisMetricKey: ""}}));
  return Object.keys(localStorage).length;
})()
