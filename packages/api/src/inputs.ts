// The API's input rules for what a form sends (names, descriptions, references, the base revision),
// free of server code: the web app's form actions read their fields with the very same schemas,
// and word their refusals as the API does.
export {
  baseRevision,
  description,
  name,
  refInput,
  textInput,
  unstorable,
} from './routers/inputs.js';
export { fieldSubject, inputSentence, type InputIssue } from './input-messages.js';
