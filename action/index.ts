/** The Action's one entry (`main` and `post` in action.yml): the post step is told apart by a state the main saved. */
import * as core from '@actions/core';
import { messageOf } from '../src/error-messages.js';
import { main } from './main.js';
import { post } from './post.js';
import { IS_POST_STATE } from './state-names.js';

const step = core.getState(IS_POST_STATE) === 'true' ? post : main;
step().catch((error: unknown) => core.setFailed(messageOf(error)));
