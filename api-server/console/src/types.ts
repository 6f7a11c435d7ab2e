// The API's response types, from the generated client (api-server/client/paths.ts): no runtime code.
import type { components } from '../../client/paths.js';

type S = components['schemas'];
export type Overview = S['Overview'];
export type RunPage = S['RunPage'];
export type RunSummary = S['RunSummary'];
export type JobDetail = S['JobDetail'];
export type Outputs = S['Outputs'];
export type ArtifactList = S['ArtifactList'];
export type QueueSummaryList = S['QueueSummaryList'];
export type ItemList = S['ItemList'];
export type Item = S['Item'];
export type WorkflowSummaryList = S['WorkflowSummaryList'];
export type WorkflowDetail = S['WorkflowDetail'];
export type RobotList = S['RobotList'];
export type AccessReview = S['AccessReview'];
export type Job = S['Job'];
