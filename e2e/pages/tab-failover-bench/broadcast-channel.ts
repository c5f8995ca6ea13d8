/**
 * The comparison page of the tab failover benchmark. The npm package `broadcast-channel` is a dev
 * dependency of the benchmark only, so the page's code lives there (bench/browser/pages/) and this
 * page only loads it.
 */
import '../../../bench/browser/pages/broadcast-channel-tab.js';
