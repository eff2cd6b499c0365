// A head-office report page: draws the chart the page describes in its JSON block
// (<script type="application/json" id="chart-data">) with Chart.js (/assets/chart.min.js).
'use strict';

function drawReportChart() {
  const block = document.getElementById('chart-data');
  const canvas = document.getElementById('report-chart');
  if (!block || !canvas || typeof Chart === 'undefined') return;
  const figures = JSON.parse(block.textContent);
  window.reportChart = new Chart(canvas, {
    type: figures.type,
    data: {labels: figures.labels, datasets: figures.datasets},
    options: {animation: false, responsive: true, spanGaps: false},
  });
}

document.addEventListener('DOMContentLoaded', drawReportChart);
