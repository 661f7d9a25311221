/**
 * The settings form, bound to the options table through ../settings.ts: each field is
 * marked with the option it sets (`data-option="imageSize"` in index.html), and at
 * start-up gets its label, help text, limits (min/max/step), choices and starting value
 * from that option's record. Reading the form goes through `readSettings`, so its limits
 * are exactly the library's.
 */
import { PRESETS, type StylizeOptions, type Suggestion } from '../../../src/index.js';
import { $ } from '../dom.js';
import type { BackendChoice, WeightsInfo } from '../protocol.js';
import {
  FORM_OPTIONS,
  choiceWords,
  fieldAttributes,
  isShown,
  labelOf,
  methodForForm,
  readSettings,
  specOf,
  startValues,
  presetForForm,
  type FieldValue,
  type FormOption,
} from '../settings.js';

type Field = HTMLInputElement | HTMLSelectElement;

export class SettingsPanel {
  private readonly form = $<HTMLFormElement>('controls');
  private readonly backendChoice = $<HTMLSelectElement>('backend-choice');
  private readonly fields = new Map<FormOption, Field>();
  private readonly preset = $<HTMLSelectElement>('preset');
  private readonly presetNote = $('preset-note');
  private readonly methodNote = $('method-note');
  /** The weights last loaded (for the method's note); undefined until some are. */
  private weights: WeightsInfo | undefined;

  constructor() {
    for (const key of FORM_OPTIONS) {
      const field = document.querySelector<Field>(`[data-option="${key}"]`);
      if (!field) throw new Error(`index.html has no field for the option '${key}' (data-option="${key}")`);
      this.fields.set(key, field);
      this.describe(key, field);
    }
    this.write(startValues());
    // Our messages name the field and its limits in the table's words; the browser's own
    // bubbles would say something else, or nothing for a rule HTML cannot express.
    this.form.noValidate = true;
    this.form.addEventListener('change', () => this.showFields());
    this.preset.replaceChildren(new Option('none', ''), ...Object.keys(PRESETS).map((p) => new Option(p, p)));
    this.preset.addEventListener('change', () => this.choosePreset());
    this.field('method').addEventListener('change', () => this.chooseMethod());
    this.showFields();
    this.noteMethod();
  }

  get backend(): BackendChoice {
    return this.backendChoice.value as BackendChoice;
  }

  /** The chosen preset's options without a field of their own; {} for none. */
  get presetOptions(): Partial<StylizeOptions> {
    return this.preset.value ? presetForForm(this.preset.value).extra : {};
  }

  /** Write a preset's values into the fields; its other options ride along with the form's. */
  private choosePreset(): void {
    if (!this.preset.value) return;
    const { fields, model } = presetForForm(this.preset.value);
    this.write(fields);
    this.showFields();
    this.presetNote.textContent = `Made for the ${model} weights.`;
  }

  /**
   * Rewrite the fields to the chosen method's starting values (as a preset's are written),
   * and say when it was made for other weights. A preset chosen before is dropped: its
   * values were just replaced, and its other options were made for another method.
   */
  private chooseMethod(): void {
    const { fields, note } = methodForForm(this.field('method').value, this.weights);
    this.write(fields);
    this.preset.value = '';
    this.presetNote.textContent = '';
    this.showFields();
    this.methodNote.textContent = note;
  }

  /** New weights are loaded: the method's note follows them. */
  weightsLoaded(info: WeightsInfo): void {
    this.weights = info;
    this.noteMethod();
  }

  private noteMethod(): void {
    this.methodNote.textContent = methodForForm(this.field('method').value, this.weights).note;
  }

  private field(key: FormOption): Field {
    return this.fields.get(key)!;
  }

  /** The checked options (plus `typed`, set by other widgets); throws the core's errors. */
  read(typed: Partial<StylizeOptions> = {}): Partial<StylizeOptions> {
    const values: Record<string, FieldValue> = {};
    for (const [key, field] of this.fields) values[key] = isCheckbox(field) ? field.checked : field.value;
    return readSettings(values, typed);
  }

  /** Move the cursor to an option's field, if the form has one. */
  focus(option: string): void {
    this.fields.get(option as FormOption)?.focus();
  }

  /** Whether the form can apply this advice (it names one of its fields). */
  canApply(s: Suggestion): boolean {
    return this.fields.has(s.option as FormOption);
  }

  apply(s: Suggestion): void {
    this.write({ [s.option]: typeof s.value === 'boolean' ? s.value : String(s.value) });
    this.showFields();
    this.focus(s.option);
  }

  /** Label, help, limits and choices from the option's record. */
  private describe(key: FormOption, field: Field): void {
    const spec = specOf(key);
    const label = field.closest('label');
    const text = label?.querySelector('.label');
    if (text) text.textContent = labelOf(key);
    (label ?? field).title = spec.help;
    for (const [name, value] of Object.entries(fieldAttributes(spec))) field.setAttribute(name, value);
    if (field instanceof HTMLSelectElement && spec.kind.type === 'choice') syncChoices(field, spec.kind.choices, choiceWords(key));
  }

  private write(values: Partial<Record<string, FieldValue>>): void {
    for (const [key, v] of Object.entries(values)) {
      const field = this.fields.get(key as FormOption);
      if (!field || v === undefined) continue;
      if (isCheckbox(field)) field.checked = v === true || v === 'true';
      else field.value = String(v);
    }
  }

  /** Hide the fields that mean nothing with the current settings (SHOWN_WHEN). */
  private showFields(): void {
    const current: Partial<StylizeOptions> = {};
    for (const [key, field] of this.fields) current[key] = (isCheckbox(field) ? field.checked : field.value) as never;
    for (const [key, field] of this.fields) (field.closest('label') ?? field).hidden = !isShown(key, current);
  }
}

function isCheckbox(field: Field): field is HTMLInputElement {
  return field instanceof HTMLInputElement && field.type === 'checkbox';
}

/**
 * The select offers exactly the table's choices: the records' words where they have them
 * (a method's label), else the page's (`<option value="lbfgs">L-BFGS</option>`), else the
 * value itself for a choice added since.
 */
function syncChoices(select: HTMLSelectElement, choices: readonly string[], words: ReadonlyMap<string, string>): void {
  const worded = new Map([...select.options].map((o) => [o.value, o.textContent ?? o.value]));
  for (const [value, word] of words) worded.set(value, word);
  select.replaceChildren(
    ...choices.map((c) => {
      const o = document.createElement('option');
      o.value = c;
      o.textContent = worded.get(c) ?? c;
      return o;
    }),
  );
}
