// The chart library's ES module, which the service serves as /admin/assets/uplot.js (see page-assets.ts), typed by
// its package.
import uPlot from 'uplot';
export default uPlot;
