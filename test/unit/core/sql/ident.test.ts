import assert from 'node:assert/strict';
import { qualifiedName, quoteIdent } from '../../../../src/core/sql/ident';

describe('sql/ident', () => {
  it('leaves plain lower-case names bare', () => {
    assert.equal(quoteIdent('created_at'), 'created_at');
    assert.equal(quoteIdent('_x1$'), '_x1$');
  });

  it('quotes upper case, leading digits, spaces and other characters', () => {
    assert.equal(quoteIdent('createdAt'), '"createdAt"');
    assert.equal(quoteIdent('1st'), '"1st"');
    assert.equal(quoteIdent('order lines'), '"order lines"');
    assert.equal(quoteIdent('é'), '"é"');
  });

  it('quotes reserved keywords but not unreserved ones', () => {
    assert.equal(quoteIdent('user'), '"user"');
    assert.equal(quoteIdent('order'), '"order"');
    assert.equal(quoteIdent('left'), '"left"');
    assert.equal(quoteIdent('status'), 'status');
    assert.equal(quoteIdent('type'), 'type');
  });

  it('doubles embedded double quotes', () => {
    assert.equal(quoteIdent('say "hi"'), '"say ""hi"""');
  });

  it('qualifies with a schema only when one is given', () => {
    assert.equal(qualifiedName('public', 'users'), 'public.users');
    assert.equal(qualifiedName('Sales', 'order'), '"Sales"."order"');
    assert.equal(qualifiedName(undefined, 'users'), 'users');
  });
});
